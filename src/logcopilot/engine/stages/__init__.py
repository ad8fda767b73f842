"""One module per LogQL pipeline stage; :mod:`logcopilot.engine.pipeline` strings them together.

Stage modules: ``linefilters`` (|= != |~ !~ |> !> ip()), ``jsonparse``, ``logfmt``,
``pattern``, ``regexp``, ``unpack``, ``labelfilter``, ``formats`` (line_format,
label_format, drop, keep, decolorize). Support modules: ``labels`` (per-line label state),
``patterns``, ``ipfilter``, ``jsonscan``, ``gotemplate``/``goexec``/``gofmt``/``gotime``/
``templatefuncs`` (Go text/template). Go's number, duration and byte-size parsing and its
quoting and float printing live in :mod:`logcopilot.logql.govalues` and
:mod:`logcopilot.logql.gotext`, shared with the parser.
"""
