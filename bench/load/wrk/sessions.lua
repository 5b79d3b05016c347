-- Reads the signed-in sessions written by load.sh: one line per user,
--   USER_ID <TAB> CSRF_TOKEN <TAB> COOKIE_HEADER_VALUE
-- (the cookies the server set at sign-in, whatever their names, as "a=1; b=2").
-- Returns a list of { user = n, csrf = "...", cookie = "..." }.
return function(path)
  local f = assert(io.open(path, "r"), "cannot open sessions file " .. tostring(path))
  local list = {}
  for line in f:lines() do
    local user, csrf, cookie = line:match("^(%d+)\t([^\t]+)\t(.+)$")
    if user then table.insert(list, { user = tonumber(user), csrf = csrf, cookie = cookie }) end
  end
  f:close()
  assert(#list > 0, "no sessions in " .. path)
  return list
end
