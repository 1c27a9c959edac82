-- Runs a document's Lua filters (and Lua shortcodes) inside ONE pandoc process, the way Quarto
-- does: every filter file is loaded in an environment of its own (so two filters may both
-- define `Div`), with our `quarto` module as a global. The Python side (luafilters.py) passes
-- the plan in MLSYS_LUA_CONFIG as JSON and reads back what the filters asked for from the
-- document's metadata key `mlsys-lua`. A Lua error is written to stderr as
-- "MLSYS-LUA-ERROR<TAB>where<TAB>message" and ends the process with status 3.
local JSON = require("pandoc.json")  -- explicit: the `pandoc.json` field is not always set up

local cfg = JSON.decode(os.getenv("MLSYS_LUA_CONFIG"), false)
package.path = cfg.module_dir .. "/?.lua;" .. package.path
quarto = require("quarto")
quarto._context.format = cfg.format
quarto._context.doc = cfg.doc
quarto._context.project = cfg.project

local function fail(where, msg)
  local text = tostring(msg):match("^[^\n]*")
  io.stderr:write("MLSYS-LUA-ERROR\t", where, "\t", text, "\n")
  os.exit(3)
end

local function dir_of(path) return path:match("^(.*)/[^/]*$") or "." end

-- Element names a filter file may define as globals instead of returning a list.
local HOOKS = { "Pandoc", "Meta", "Blocks", "Inlines", "Block", "Inline" }
local NAMES = { "Para", "Plain", "Header", "Div", "Span", "CodeBlock", "RawBlock", "BlockQuote",
  "BulletList", "OrderedList", "DefinitionList", "HorizontalRule", "LineBlock", "Table",
  "Figure", "Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Underline",
  "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted", "Cite", "Code", "Math",
  "RawInline", "Link", "Image", "Note" }
for _, n in ipairs(NAMES) do HOOKS[#HOOKS + 1] = n end

-- Load one filter file: the filters it returns, or the element functions it defines.
-- Chunks get short names ("@filter2.lua"): Lua cuts long source names in its messages, and
-- the Python side maps these aliases back to full paths.
local function load_filter(path, alias)
  local env = setmetatable({}, { __index = _G })
  local dir = dir_of(path)
  package.path = dir .. "/?.lua;" .. package.path
  quarto._context.script_dir = dir
  env.PANDOC_SCRIPT_FILE = path
  -- Quarto runs pandoc with the page as its output file; filters read it (to name the
  -- chapter, or files of their own), so a filter sees that name, not our JSON pipe's nil.
  env.PANDOC_STATE = setmetatable({ output_file = cfg.output_file },
    { __index = function(_, key) return PANDOC_STATE[key] end })
  local fh = io.open(path, "r")
  if not fh then fail(path, "cannot read the filter file") end
  local chunk, err = load(fh:read("a"), "@" .. alias, "t", env)
  fh:close()
  if not chunk then fail(path, err) end
  local ok, result = pcall(chunk)
  if not ok then fail(path, result) end
  if type(result) == "table" and result[1] ~= nil then return result, dir end
  if type(result) == "table" and next(result) ~= nil then return { result }, dir end
  local single = {}
  for _, name in ipairs(HOOKS) do
    if type(rawget(env, name)) == "function" then single[name] = rawget(env, name) end
  end
  if rawget(env, "traverse") then single.traverse = rawget(env, "traverse") end
  return { single }, dir
end

-- Shortcodes ----------------------------------------------------------------------------------
local handlers = {}
local function load_shortcodes()
  for name, path in pairs(cfg.shortcodes or {}) do
    if handlers[name] == nil then
      local env = setmetatable({}, { __index = _G })
      local fh = io.open(path, "r")
      if not fh then fail(path, "cannot read the shortcode file") end
      local chunk, err = load(fh:read("a"), "@shortcode-" .. name .. ".lua", "t", env)
      fh:close()
      if not chunk then fail(path, err) end
      local ok, result = pcall(chunk)
      if not ok then fail(path, result) end
      local table_ = type(result) == "table" and result or env
      for key, fn in pairs(table_) do
        if type(fn) == "function" then handlers[key] = { fn = fn, dir = dir_of(path), file = path } end
      end
    end
  end
end

local function unescape(s) return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end

local function call_shortcode(span, context, meta)
  local name = span.attributes.name
  local h = handlers[name]
  local line = span.attributes.line or "?"
  if h == nil then fail(cfg.doc .. ":" .. line, "unknown shortcode '" .. name .. "'") end
  local tokens = JSON.decode(unescape(span.attributes.args or "%5B%5D"), false)
  local args, kwargs, raw = {}, setmetatable({}, { __index = function() return pandoc.Inlines({}) end }), {}
  for _, tok in ipairs(tokens) do
    raw[#raw + 1] = tok
    local k, v = tok:match("^([%a_][%w_-]*)=(.*)$")
    if k then kwargs[k] = pandoc.Inlines({ pandoc.Str(v) }) else args[#args + 1] = pandoc.Inlines({ pandoc.Str(tok) }) end
  end
  quarto._context.script_dir = h.dir
  local ok, result = pcall(h.fn, args, kwargs, meta, table.concat(raw, " "), context)
  if not ok then fail(cfg.doc .. ":" .. line, "shortcode '" .. name .. "' (" .. h.file .. "): " .. tostring(result)) end
  if result == nil then return context == "block" and pandoc.Blocks({}) or pandoc.Inlines({}) end
  if type(result) == "string" then result = pandoc.Inlines({ pandoc.Str(result) }) end
  local kind = pandoc.utils.type(result)
  if context == "block" then
    if kind == "Inlines" or kind == "Inline" then return pandoc.Blocks({ pandoc.Para(result) }) end
    return pandoc.Blocks(result)
  end
  if kind == "Blocks" or kind == "Block" then return pandoc.utils.blocks_to_inlines(pandoc.Blocks(result)) end
  return pandoc.Inlines(result)
end

local function is_shortcode(el) return el.t == "Span" and el.classes:includes("mlsys-shortcode") end

local function shortcode_filter(meta)
  return {
    traverse = "topdown",
    Para = function(para)
      local found, other = nil, false
      for _, el in ipairs(para.content) do
        if is_shortcode(el) and found == nil then found = el
        elseif el.t ~= "Space" and el.t ~= "SoftBreak" then other = true end
      end
      if found and not other then return call_shortcode(found, "block", meta), false end
    end,
    Span = function(span)
      if is_shortcode(span) then return call_shortcode(span, "inline", meta), false end
    end,
  }
end

-- Project options as pandoc reads YAML metadata (and so as Quarto hands them to filters):
-- text is Markdown (MetaInlines, or MetaBlocks when it holds several paragraphs), so a filter
-- that stringifies Inlines, or tests `pandoc.utils.type(v) == "Inlines"`, sees what it expects.
local function to_meta(value)
  local kind = type(value)
  if kind == "number" then value, kind = tostring(value), "string" end
  if kind == "string" and value:match("^[%a][%w ,:;/()=.-]*$") and not value:find("%-%-")
      and not value:find("%.[ .]") then  -- ("Mr. X" and "e.g. y" get a non-breaking space)
    -- plain words (labels, colours, names): the Str/Space inlines pandoc would read, without
    -- a Markdown parse per string (a big config has a hundred of them)
    local inlines = {}
    for word in value:gmatch("%S+") do
      if #inlines > 0 then inlines[#inlines + 1] = pandoc.Space() end
      inlines[#inlines + 1] = pandoc.Str(word)
    end
    return pandoc.MetaInlines(inlines)
  end
  if kind == "string" then
    local blocks = pandoc.read(value, "markdown").blocks
    if #blocks == 0 then return pandoc.MetaInlines({}) end
    if #blocks == 1 and (blocks[1].t == "Para" or blocks[1].t == "Plain") then
      return pandoc.MetaInlines(blocks[1].content)
    end
    return pandoc.MetaBlocks(blocks)
  end
  if kind ~= "table" then return value end
  local out = {}
  if value[1] ~= nil then
    for i, item in ipairs(value) do out[i] = to_meta(item) end
    return pandoc.MetaList(out)
  end
  for key, item in pairs(value) do out[key] = to_meta(item) end
  return pandoc.MetaMap(out)
end

-- The run --------------------------------------------------------------------------------------
function Pandoc(doc)
  -- project options are the document's metadata while filters run (as in Quarto); they are
  -- taken out again afterwards, so a chapter does not inherit the book's `title:`
  local injected = {}
  for key, value in pairs(cfg.meta or {}) do
    if doc.meta[key] == nil then doc.meta[key] = to_meta(value); injected[#injected + 1] = key end
  end
  if cfg.shortcodes and next(cfg.shortcodes) ~= nil then
    load_shortcodes()
    doc = doc:walk(shortcode_filter(doc.meta))
  end
  for i, path in ipairs(cfg.filters or {}) do
    local filters, dir = load_filter(path, "filter" .. i .. ".lua")
    for _, f in ipairs(filters) do
      quarto._context.script_dir = dir
      local ok, result = pcall(function() return doc:walk(f) end)
      if not ok then fail(path, result) end
      doc = result
    end
  end
  for _, key in ipairs(injected) do doc.meta[key] = nil end
  doc.meta["mlsys-lua"] = JSON.encode(quarto._out)
  return doc
end
