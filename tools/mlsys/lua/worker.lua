-- A long-running pandoc for one build: `pandoc lua worker.lua` reads one JSON request per
-- line on stdin and answers one JSON line on stdout, so a cold build pays pandoc's start-up
-- once per worker instead of twice per chapter. (`pandoc server` would do the same over
-- HTTP, but the pandoc that pypandoc-binary ships is built without GHC's threaded runtime and
-- aborts on its first request.) The Python side is `mlsys.pandoc_worker`.
--
-- Request: {"from": "markdown", "to": "json", "text": "...", "mathml": true,
--           "wrap": "none", "citeproc": false, "cwd": "/dir"}
-- Reply:   {"output": "..."} or {"error": "pandoc's message"}
local JSON = require("pandoc.json")

local function convert(req)
  local doc = pandoc.read(req.text, req.from)
  local opts = {}
  if req.mathml then opts.html_math_method = "mathml" end
  if req.wrap then opts.wrap_text = req.wrap end
  local function run()
    if req.citeproc then doc = pandoc.utils.citeproc(doc) end
    return pandoc.write(doc, req.to, opts)
  end
  if req.cwd and req.cwd ~= "" then
    return pandoc.system.with_working_directory(req.cwd, run)
  end
  return run()
end

io.stdout:setvbuf("full")
for line in io.lines() do
  local ok, result = pcall(function() return convert(JSON.decode(line, false)) end)
  local reply
  if ok then
    reply = { output = result }
  else
    reply = { error = tostring(result) }
  end
  io.stdout:write(JSON.encode(reply), "\n")
  io.stdout:flush()
end
