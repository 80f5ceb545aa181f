// The models of this target are generated from Notes.schema by OptimisticLockPlugin. SwiftPM sees a
// target only with a Swift file in it: this one, which also gives the targets that import the models
// the runtime.
@_exported import OptimisticLock
