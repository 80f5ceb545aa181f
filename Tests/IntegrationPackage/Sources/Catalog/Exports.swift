// The models of this target are generated from its .schema files by OptimisticLockPlugin.
// SwiftPM only sees a target with at least one Swift file: this one, which also re-exports the
// runtime to the targets that import this one. (It must not be named like a schema: Catalog.swift
// would collide with the Swift generated from Catalog.schema.)
@_exported import OptimisticLock
