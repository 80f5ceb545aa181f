#if Vapor
    // `import OptimisticLockVapor` is enough for `OptimisticHTTP`, `HTTPProblem` and `EntityTag`.
    @_exported import OptimisticLockHTTP
#endif
