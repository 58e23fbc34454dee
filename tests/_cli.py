"""Shared checks for the command's bad-input tests."""


def assert_one_line_error(capsys, code, out, file, *needles):
    """Exit code 2, exactly one line on stderr (no traceback) naming ``file`` (when given) and every needle, and
    no output folder left behind."""
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "Traceback" not in err[0], err
    if file is not None:
        assert str(file) in err[0], err[0]
    for n in needles:
        assert n in err[0], (n, err[0])
    assert not out.exists()
    return err[0]
