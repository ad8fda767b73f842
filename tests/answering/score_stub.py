"""A scorer with score.py's interface for the bench tests (numbers and booleans only)."""


def correct(spec, value):
    if value is None:
        return False
    if spec["type"] == "bool":
        return bool(value) == bool(spec["value"])
    return abs(float(value) - float(spec["value"])) <= float(spec.get("tolerance", 0))
