"""Settings for every test run, including the kernels nbval starts (they inherit os.environ).

* GDCOURSE_STATIC=1: notebooks draw static figures instead of ipywidgets sliders, exactly as
  when their stored outputs were produced (tools/execute_notebooks.py) and when the book is
  built, so that nbval compares like with like.
* GDCOURSE_PROGRESS_FILE: the tests never touch a learner's real progress file.
"""

import os
import tempfile

os.environ["GDCOURSE_STATIC"] = "1"
os.environ.setdefault("GDCOURSE_PROGRESS_FILE",
                      os.path.join(tempfile.mkdtemp(prefix="gdcourse-tests-"), "progress.json"))
