"""Client workloads, one per module; each runs as a child process of ``tools.capture``.

Every workload talks to the proxy only (``--bootstrap``) and reports to the parent through a
line protocol on stdout, answered on stdin so that a step label is in force before the first
request of that step leaves the client:

    @@version <text>   the client's version string (once)
    @@step <label>     the parent sets the proxy's step label and answers "ok"
    @@note <text>      something that did not work (recorded in the manifest)

Anything else on stdout/stderr is only logged.
"""
