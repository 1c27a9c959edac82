-- `pandoc lua names.lua FILE...`: the shortcode names each Lua file defines, as JSON
-- {"name": "file", ...}, so the Markdown stage knows which `{{< name >}}` an extension handles.
local JSON = require("pandoc.json")  -- explicit: the `pandoc.json` field is not always set up
local names = {}
for _, path in ipairs(arg) do
  local env = setmetatable({}, { __index = _G })
  local chunk, err = loadfile(path, "t", env)
  if not chunk then io.stderr:write("MLSYS-LUA-ERROR\t", path, "\t", tostring(err), "\n"); os.exit(3) end
  local ok, result = pcall(chunk)
  if not ok then io.stderr:write("MLSYS-LUA-ERROR\t", path, "\t", tostring(result), "\n"); os.exit(3) end
  local found = type(result) == "table" and result or env
  for key, value in pairs(found) do
    if type(key) == "string" and type(value) == "function" then names[key] = path end
  end
end
print(JSON.encode(names))
