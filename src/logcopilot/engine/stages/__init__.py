"""One module per LogQL pipeline stage; :mod:`logcopilot.engine.pipeline` strings them together.

Stage modules: ``linefilters`` (|= != |~ !~ |> !> ip()), ``jsonparse``, ``logfmt``,
``pattern``, ``regexp``, ``unpack``, ``labelfilter``, ``formats`` (line_format,
label_format, drop, keep, decolorize). Support modules: ``labels`` (per-line label state),
``values`` (Go number/duration/bytes parsing), ``patterns``, ``ipfilter``, ``jsonscan``,
``gotemplate``/``goexec``/``gofmt``/``gotime``/``templatefuncs`` (Go text/template).
"""
