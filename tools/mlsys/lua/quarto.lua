-- Our own implementation of the parts of Quarto's Lua filter API that filters commonly use.
-- The runner (runner.lua) loads this module once per document and makes it the global `quarto`.
-- What a filter asks of the page (dependencies, included text, warnings) is collected in
-- `quarto._out`, which the runner writes into the document's metadata for the Python side.
local JSON = require("pandoc.json")  -- explicit: the `pandoc.json` field is not always set up

local M = {}

local out = { includes = { ["in-header"] = {}, ["before-body"] = {}, ["after-body"] = {} },
              dependencies = {}, warnings = {} }
M._out = out
M._context = { format = "html", script_dir = ".", doc = "", project = "." }

local function join(dir, path)
  if path:sub(1, 1) == "/" then return path end
  return dir .. "/" .. path
end

-- `dump`: a readable, deterministic rendering of any Lua value (tables sorted by key).
local function dump(value, indent)
  indent = indent or ""
  local kind = type(value)
  if kind == "string" then return string.format("%q", value) end
  if kind ~= "table" and kind ~= "userdata" then return tostring(value) end
  if kind == "userdata" then
    local ok, text = pcall(pandoc.utils.stringify, value)
    return ok and ("<" .. (value.t or "element") .. " " .. text .. ">") or tostring(value)
  end
  local keys = {}
  for k in pairs(value) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = indent .. "  " .. tostring(k) .. " = " .. dump(value[k], indent .. "  ")
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

local function message(...)
  local parts = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    parts[#parts + 1] = type(v) == "string" and v or dump(v)
  end
  return table.concat(parts, " ")
end

-- Where the caller is: "file.lua:12", for warnings that point at the filter's own line.
local function caller()
  local info = debug.getinfo(3, "Sl")
  if info and info.short_src and info.currentline and info.currentline > 0 then
    return info.short_src .. ":" .. info.currentline
  end
  return ""
end

M.log = {
  output = function(...) io.stderr:write(message(...), "\n") end,
  info = function(...) io.stderr:write(message(...), "\n") end,
  debug = function(...) end,
  trace = function(...) end,
  warning = function(...)
    out.warnings[#out.warnings + 1] = { where = caller(), text = message(...) }
  end,
  error = function(...)
    out.warnings[#out.warnings + 1] = { where = caller(), text = message(...), error = true }
  end,
}

M.utils = {
  dump = function(value) io.stderr:write(dump(value), "\n") end,
  resolve_path = function(path) return join(M._context.script_dir, path) end,
  string_to_blocks = function(text) return pandoc.read(text, "markdown").blocks end,
  string_to_inlines = function(text)
    return pandoc.utils.blocks_to_inlines(pandoc.read(text, "markdown").blocks)
  end,
  as_inlines = function(v) return pandoc.Inlines(v) end,
  as_blocks = function(v) return pandoc.Blocks(v) end,
  type = pandoc.utils.type,
}

M.json = {
  encode = function(value) return JSON.encode(value) end,
  decode = function(text) return JSON.decode(text, false) end,
}

local html_formats = { html = true, html4 = true, html5 = true, ["html:js"] = true, js = true }
local latex_formats = { latex = true, pdf = true, beamer = true }

M.doc = {
  is_format = function(name)
    local fmt = M._context.format
    if fmt == "html" then return html_formats[name] == true end
    if fmt == "pdf" then return latex_formats[name] == true end
    return name == fmt
  end,
  has_bootstrap = function() return false end,
  cite_method = function() return "citeproc" end,
  input_file = function() return M._context.doc end,
  output_file = function() return (M._context.doc:gsub("%.%w+$", ".html")) end,
  include_text = function(location, text)
    if out.includes[location] == nil then error("unknown include location: " .. tostring(location), 2) end
    table.insert(out.includes[location], text)
  end,
  include_file = function(location, path)
    local fh = assert(io.open(join(M._context.script_dir, path), "r"))
    local text = fh:read("a")
    fh:close()
    M.doc.include_text(location, text)
  end,
  add_html_dependency = function(dep)
    if type(dep) ~= "table" or type(dep.name) ~= "string" then
      error("add_html_dependency needs a table with a name", 2)
    end
    local function files(list)
      local paths = {}
      for _, item in ipairs(list or {}) do
        local p = type(item) == "table" and item.path or item
        paths[#paths + 1] = join(M._context.script_dir, p)
      end
      return paths
    end
    out.dependencies[#out.dependencies + 1] = {
      name = dep.name, version = dep.version and tostring(dep.version) or "",
      stylesheets = files(dep.stylesheets), scripts = files(dep.scripts),
      head = type(dep.head) == "string" and dep.head or "",
    }
  end,
}
M.doc.add_format_resource = function(path) end

M.format = {
  is_html_output = function() return M._context.format == "html" end,
  is_latex_output = function() return M._context.format == "pdf" end,
  is_epub_output = function() return M._context.format == "epub" end,
}

M.project = setmetatable({}, { __index = function(_, key)
  if key == "directory" then return M._context.project end
  if key == "offset" then return M._context.offset or "." end
end })

-- `quarto.Callout{type=..., title=..., content=...}`: a Div our callout stage renders like any
-- `::: {.callout-*}` written in Markdown.
M.Callout = function(spec)
  local kind = spec.type or "note"
  local attrs = {}
  if spec.title then attrs.title = pandoc.utils.stringify(spec.title) end
  if spec.collapse ~= nil then attrs.collapse = tostring(spec.collapse) end
  if spec.appearance then attrs.appearance = spec.appearance end
  if spec.icon ~= nil then attrs.icon = tostring(spec.icon) end
  local content = spec.content or {}
  if type(content) == "string" then content = M.utils.string_to_blocks(content) end
  return pandoc.Div(content, pandoc.Attr(spec.id or "", { "callout-" .. kind }, attrs))
end

return M
