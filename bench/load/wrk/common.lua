-- Copied unchanged (below this header) from the Sinatra anchor, shared/anchors/sinatra/wrk/common.lua,
-- so that fwitter's runs count statuses and print RESULT exactly as the anchor's do.

-- Shared by the wrk scripts: per-thread ids, status-class counters, and one
-- machine-readable RESULT line (JSON) printed when the run is done.
-- Every script is loaded once in wrk's main Lua state and once per thread.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

s2xx, s3xx, s4xx, s5xx, sother = 0, 0, 0, 0, 0

function response(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then s5xx = s5xx + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, sother = 0 }
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,' ..
    '"mean_ms":%.2f,"max_ms":%.2f,"non2xx3xx":%d,"connect_err":%d,"read_err":%d,"write_err":%d,' ..
    '"timeouts":%d,"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout,
    c.s2xx, c.s3xx, c.s4xx, c.s5xx))
end
