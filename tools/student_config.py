"""Write the student edition's config: _config.yml with solutions hidden.

    python tools/student_config.py OUT.yml
"""
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
config = yaml.safe_load((ROOT / "_config.yml").read_text())
config["title"] = config["title"] + " (student edition)"
config["sphinx"]["config"]["hide_solutions"] = True
# Paths in the config are read relative to the book root, not to this file.
config["bibtex_bibfiles"] = [str(ROOT / p) for p in config["bibtex_bibfiles"]]
out = Path(sys.argv[1])
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(yaml.safe_dump(config, sort_keys=False))
print(f"wrote {out}")
