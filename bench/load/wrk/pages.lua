-- GET a page per request, anonymous or signed in.
--   wrk -s wrk/pages.lua URL -- FORMAT U [THREADS] [SESSIONS_FILE]
-- FORMAT: "/users/%d" (the user page of probe(i, U) = 1 + (i*7919) % U, the ids of
-- the Sinatra anchor's users.lua) or "/" (the home page: a signed-in user's feed).
-- With SESSIONS_FILE, request i sends the cookies of session i % K (K sessions in
-- the file, rotating per request); without it, no cookie at all.
-- Thread t (of THREADS) takes i = t, t+THREADS, t+2*THREADS, ...
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")
local read_sessions = dofile(dir .. "sessions.lua")

function init(args)
  fmt = args[1] or "/users/%d"
  n = tonumber(args[2] or "1000")
  stride = tonumber(args[3] or "1")
  i = tid or 0
  headers = {}
  if args[4] and args[4] ~= "" then
    for k, s in ipairs(read_sessions(args[4])) do headers[k] = { Cookie = s.cookie } end
  end
end

function request()
  local path = fmt
  if fmt:find("%d", 1, true) then path = string.format(fmt, 1 + (i * 7919) % n) end
  local h = nil
  if #headers > 0 then h = headers[(i % #headers) + 1] end
  i = i + stride
  return wrk.format("GET", path, h)
end
