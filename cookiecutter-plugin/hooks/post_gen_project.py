"""Keep the files of the chosen kind: move ``_kinds/<kind>/`` into place, drop the others."""

import shutil
from pathlib import Path

KIND = "{{ cookiecutter.kind }}"
PACKAGE = "{{ cookiecutter.__package }}"

project = Path.cwd()
chosen = project / "_kinds" / KIND
for folder, target in (("src", project / "src" / PACKAGE), ("tests", project / "tests")):
    target.mkdir(parents=True, exist_ok=True)
    for item in sorted((chosen / folder).iterdir()):
        shutil.move(str(item), str(target / item.name))
shutil.rmtree(project / "_kinds")
