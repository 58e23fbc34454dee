"""Shared checks for the command's bad-input tests."""


import re

#: progress lines (a run longer than a few seconds, without --quiet) are not part of the error
PROGRESS = re.compile(r"^assaystats: \[ *[0-9.]+ s\] ")


def assert_one_line_error(capsys, code, out, file, *needles):
    """Exit code 2, exactly one line on stderr (no traceback) naming ``file`` (when given) and every needle, and
    no output folder left behind."""
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not PROGRESS.match(line)]
    assert code == 2 and len(err) == 1 and "Traceback" not in err[0], err
    if file is not None:
        assert str(file) in err[0], err[0]
    for n in needles:
        assert n in err[0], (n, err[0])
    assert not out.exists()
    return err[0]
