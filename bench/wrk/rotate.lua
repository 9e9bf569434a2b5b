-- GET over a list of paths, one per line in the file named by $WRK_PATHS (e.g. one case file
-- per line); each wrk thread starts at a different place in the list and walks it in order.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end

local next_thread = 0
function setup(thread)
  thread:set("offset", next_thread * 7)
  next_thread = next_thread + 1
end

local counter = 0
function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
