"""Where the single-surface benchmarks put their results: bench/results/KIND-TIME.{json,md}."""

import json
import os
import time


def save(kind, results, report):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(out, f"{kind}-{stamp}.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(out, f"{kind}-{stamp}.md"), "w") as f:
        f.write(report + "\n")
    print(report)
