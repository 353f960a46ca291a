# Baton's bootstrap for plain Python functions: import the entrypoint file, call the function with the run's
# parameters, exit 0 on success and 1 (with the traceback on stderr) on an exception.
import importlib.util
import inspect
import json
import os
import sys
import traceback

path = os.environ["BATON_ENTRY_FILE"]
name = os.environ["BATON_ENTRY_FUNCTION"]
params = json.loads(os.environ.get("BATON_PARAMETERS") or "{}")
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
try:
    spec = importlib.util.spec_from_file_location("__baton_entry__", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, name)
    fn = getattr(fn, "fn", fn)
    result = fn(**params)
    if inspect.isawaitable(result):
        import asyncio
        result = asyncio.run(result)
except SystemExit:
    raise
except BaseException:
    traceback.print_exc()
    sys.stdout.flush()
    sys.exit(1)
sys.stdout.flush()
