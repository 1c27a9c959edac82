"""The interview playbook: questions as YAML data, napkin math computed by mlsysim, a checker,
a terminal drill with SM-2 spaced repetition, and the site pages (with a browser practice mode).

The CLI verbs live in `mlsys interviews ...` (tools/mlsys/interviews_cli.py); everything they
do is here.
"""

from .bank import Entry, load_bank, questions_dir
from .check import check, check_bank
from .errors import InterviewError, NapkinError, ProgressError, QuestionError
from .loader import Located, load_question, parse_question
from .napkin import StepValue, evaluate
from .schema import LEVELS, TRACKS, Question
from .site import generate
from .sm2 import Card, review

__all__ = [
    "Card", "Entry", "InterviewError", "LEVELS", "Located", "NapkinError", "ProgressError",
    "Question", "QuestionError", "StepValue", "TRACKS", "check", "check_bank", "evaluate",
    "generate", "load_bank", "load_question", "parse_question", "questions_dir", "review",
]
