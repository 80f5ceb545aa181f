#if Hummingbird
    // `import OptimisticLockHummingbird` is enough for `OptimisticHTTP`, `HTTPProblem` and `EntityTag`.
    @_exported import OptimisticLockHTTP
#endif
