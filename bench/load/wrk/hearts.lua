-- POST /hearts as signed-in users, through the app's own form fields.
--   wrk -s wrk/hearts.lua URL -- SESSIONS_FILE U [THREADS] [START]
-- Request i is sent with the cookies of session i % K (K sessions in the file) and
-- hearts tweet probe(i*31+7, T), T = 10*U, the tweet ids of the Sinatra anchor's
-- hearts.lua. load.sh signs in users probe(k, U) for k = 0..K-1, so the first K
-- requests send exactly the anchor's (user, tweet) pairs; after that the users
-- repeat every K requests (the anchor's every U). Pairs repeat with period
-- lcm(K, T) (40,000 at K = 64, S = 1). Body: csrf, tweet_id, back (the author's
-- page, where the form sits; the seed gives tweet t to user (t-1)/10 + 1).
-- Every answer is a 303: "Hearted." or, for a pair already hearted (the seed's
-- 0.5 %), "You have already hearted this tweet." as a flash.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")
local read_sessions = dofile(dir .. "sessions.lua")

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  sessions = read_sessions(args[1])
  nu = tonumber(args[2] or "1000")
  nt = 10 * nu
  stride = tonumber(args[3] or "1")
  i = tonumber(args[4] or "0") + (tid or 0)
  for _, s in ipairs(sessions) do
    s.headers = { ["Content-Type"] = "application/x-www-form-urlencoded", Cookie = s.cookie }
    s.token = urlencode(s.csrf)
  end
end

function request()
  local s = sessions[(i % #sessions) + 1]
  local t = 1 + ((i * 31 + 7) * 7919) % nt
  i = i + stride
  local author = math.floor((t - 1) / 10) + 1
  local body = string.format("csrf=%s&tweet_id=%d&back=%%2Fusers%%2F%d", s.token, t, author)
  return wrk.format("POST", "/hearts", s.headers, body)
end
