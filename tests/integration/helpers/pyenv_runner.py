"""The command line of the check modules run in the pyenv python3 (boto3 1.43):
`python3 <module>.py CHECK` runs the module's function check_CHECK, prints the
SDK versions first and `ok CHECK` last, or the traceback and `FAILED CHECK`
with exit status 1. Needs nothing but the standard library and boto3."""
import sys
import traceback

import boto3
import botocore


def main(module_globals):
    checks = {n[len("check_"):]: f for n, f in module_globals.items() if n.startswith("check_")}
    print(f"pyenv boto3 {boto3.__version__} botocore {botocore.__version__}", flush=True)
    name = sys.argv[1]
    try:
        checks[name]()
    except Exception:
        traceback.print_exc()
        print(f"FAILED {name}", file=sys.stderr)
        return 1
    print(f"ok {name}")
    return 0
