"""Grade a class in one nbgrader session: run from a course folder by tests/test_grading.py.

    python tests/_grading_run.py release EXERCISE [EXERCISE ...]
    python tests/_grading_run.py grade EXERCISE [EXERCISE ...]

Loads the course's nbgrader_config.py (as `nbgrader` would), then, through nbgrader's own API
(the one its formgrader uses), for each exercise: `release` runs generate_assignment; `grade`
autogrades every student in submitted/ and generates their feedback. One process instead of one `nbgrader` command per step saves
its start-up (about 5 s each here). Prints one JSON line: seconds per exercise and any step that
did not succeed, with its log.
"""

import json
import sys
import time
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader


def main(command, exercises):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(Path.cwd())).load_config()
    api = NbGraderAPI(config=config)
    report = {"seconds": {}, "failed": []}
    for exercise in exercises:
        start = time.perf_counter()
        if command == "release":
            result = api.generate_assignment(exercise, force=True, create=True)
            if not result["success"]:
                report["failed"].append({"step": f"generate_assignment {exercise}", "log": result.get("log", "")})
            continue
        students = sorted(p.name for p in Path("submitted").iterdir() if (p / exercise).is_dir())
        for student in students:
            result = api.autograde(exercise, student, force=True, create=True)
            if not result["success"]:
                report["failed"].append({"step": f"autograde {exercise} {student}",
                                         "log": result.get("error", "") + result.get("log", "")})
        result = api.generate_feedback(exercise, force=True)
        if not result["success"]:
            report["failed"].append({"step": f"generate_feedback {exercise}", "log": result.get("log", "")})
        report["seconds"][exercise] = round(time.perf_counter() - start, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
