/* The `python` task type: flow.python runs the wrapper below (`python -c
 * WRAPPER script PATH ARGS...` or `... callable module:function ARGS...`),
 * which maps Python exceptions to the task contract: ValueError prints its
 * traceback and exits 2 (invalid input, no retry), MemoryError exits 3
 * (resource), SystemExit passes through, any other exception prints its
 * traceback and exits 1 (execution, retried). A script runs as __main__
 * with sys.argv set; a callable's module is imported with the DAG's folder
 * (the task's working directory) first on sys.path and called with the
 * args as strings. The memory limit is an rlimit on the interpreter. */
#include "flow/task_int.h"

const char lh__flow_python_wrapper[] =
    "import os, sys, traceback\n"
    "def _lh_run(kind, target, args):\n"
    "    if kind == 'script':\n"
    "        import runpy\n"
    "        sys.argv = [target] + args\n"
    "        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))\n"
    "        runpy.run_path(target, run_name='__main__')\n"
    "    else:\n"
    "        import importlib\n"
    "        mod, fn = target.split(':', 1)\n"
    "        sys.argv = [target] + args\n"
    "        sys.path.insert(0, os.getcwd())\n"
    "        getattr(importlib.import_module(mod), fn)(*args)\n"
    "def _lh_main():\n"
    "    if len(sys.argv) < 3 or sys.argv[1] not in ('script', 'callable'):\n"
    "        sys.stderr.write('usage: wrapper script PATH ARGS... | callable MODULE:FN "
    "ARGS...\\n')\n"
    "        return 2\n"
    "    try:\n"
    "        _lh_run(sys.argv[1], sys.argv[2], sys.argv[3:])\n"
    "    except SystemExit:\n"
    "        raise\n"
    "    except ValueError:\n"
    "        traceback.print_exc()\n"
    "        return 2\n"
    "    except MemoryError:\n"
    "        sys.stderr.write('MemoryError: the task ran out of memory\\n')\n"
    "        return 3\n"
    "    except Exception:\n"
    "        traceback.print_exc()\n"
    "        return 1\n"
    "    return 0\n"
    "sys.stdout.flush()\n"
    "_lh_code = _lh_main()\n"
    "sys.stdout.flush()\n"
    "sys.stderr.flush()\n"
    "sys.exit(_lh_code)\n";

int lh__flow_python_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    const char *script = lh__flow_str(j->t, "script");
    const char *python = j->pf->python && *j->pf->python ? j->pf->python : "python3";
    lh__flow_vec_push(&j->argv, python);
    lh__flow_vec_push(&j->argv, "-c");
    lh__flow_vec_push(&j->argv, lh__flow_python_wrapper);
    lh__flow_vec_push(&j->argv, script ? "script" : "callable");
    lh__flow_vec_push(&j->argv, script ? script : lh__flow_str(j->t, "callable"));
    out->memory_mode = LH_FLOW_MEM_RLIMIT;
    return lh__flow_push_list(j, "args", &j->argv);
}
