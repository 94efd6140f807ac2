"""checkov over infra/ (offline) against checkov-baseline.json: fails on a finding the baseline
does not waive, on a waiver without a reason, and on a waiver that no longer matches a finding
(so the baseline only shrinks as things get fixed). Not named checkov.py: that would shadow the package..
Usage: checkov_check.py INFRA_DIR CHECKOV_BINARY [BASELINE]
"""

import fnmatch
import json
import os
import subprocess
import sys


def main():
    infra, checkov = sys.argv[1], sys.argv[2]
    baseline_path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(infra, "checks", "checkov-baseline.json")
    with open(baseline_path) as fh:
        waivers = json.load(fh)["waivers"]
    run = subprocess.run([checkov, "-d", infra, "--framework", "terraform", "--skip-download",
                          "--quiet", "-o", "json"], capture_output=True, text=True)
    if not run.stdout.strip():
        print(f"checkov: no output (exit {run.returncode}): {run.stderr[-500:]}")
        return 1
    report = json.loads(run.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [(f["check_id"], f["resource"], f["file_path"], f["check_name"])
              for r in reports for f in r.get("results", {}).get("failed_checks", [])]
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    errors, used = [], set()
    for i, w in enumerate(waivers):
        if len(str(w.get("reason", "")).strip()) < 20:
            errors.append(f"waiver {w.get('check_id')} {w.get('resource')} has no reason")
    for check_id, resource, path, name in failed:
        hits = [i for i, w in enumerate(waivers)
                if w["check_id"] == check_id and fnmatch.fnmatchcase(resource, w["resource"])]
        if hits:
            used.update(hits)
        else:
            errors.append(f"{check_id} {name}: {resource} ({path})")
    for i, w in enumerate(waivers):
        if i not in used:
            errors.append(f"waiver {w['check_id']} {w['resource']} matches no finding: remove it")
    for e in errors:
        print(f"checkov: {e}")
    print(f"checkov: {'FAILED' if errors else 'ok'} ({passed} passed, {len(failed)} waived or failed, "
          f"{len(waivers)} waivers)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
