// libFuzzer entry point for the schema compiler: every input is compiled as a schema file, and when
// it compiles cleanly, Swift and both SQL dialects are emitted. A crash, a hang or an unlocated
// diagnostic is a bug. Built and run by Fuzz/run.sh; not part of the package.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSchemaCompiler(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let compilation = Compiler.compile([SourceFile(path: "fuzz.schema", bytes: bytes)])
    for line in compilation.renderedDiagnostics.split(separator: "\n") where !line.hasPrefix("fuzz.schema:") {
        fatalError("unlocated diagnostic: \(line)")
    }
    if !compilation.hasErrors {
        _ = compilation.swiftSource(forFile: 0)
        _ = compilation.ddl(dialect: .sqlite)
        _ = compilation.ddl(dialect: .postgres)
    }
    return 0
}
