"""The digits example end to end, shortened: train, compile every variant
with sparq, run them on the CPU, and check the accuracy table."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "examples", "digits", "digits.py")


def test_digits_example(tmp_path):
    build = os.path.join(os.environ.get("SPARQ_PYTHON_PACKAGES", os.path.join(
        HERE, "..", "..", "build", "python_packages")), "..")
    results = tmp_path / "RESULTS.md"
    subprocess.run([sys.executable, SCRIPT, "--build", build, "--epochs", "8",
                    "--finetune-epochs", "2", "--results", str(results)],
                   check=True, capture_output=True, text=True)
    rows = re.findall(r"^\| (.+?) \| `(.*?)` \| ([0-9.]+)% \| ([0-9.]+) \|$",
                      results.read_text(), re.M)
    assert len(rows) == 8
    accuracy = {name: float(acc) for name, _, acc, _ in rows}
    assert accuracy["f32"] > 90
    # FP8 post-training quantization costs at most a point here.
    assert accuracy["FP8 E4M3 PTQ, per-tensor scales"] >= accuracy["f32"] - 1
    assert all(acc > 80 for acc in accuracy.values())
