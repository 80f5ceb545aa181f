import Testing

@testable import OptimisticLock

/// An instant of a clock the tests move by hand.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static let zero = TestInstant(offset: .zero)

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

/// The pool's decisions, event by event, without threads, tasks, databases or sleeps.
@Suite("Pool state machine")
struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<TestInstant>

    static func at(_ milliseconds: Int) -> TestInstant { TestInstant(offset: .milliseconds(milliseconds)) }

    @Test("Workers are created up to the capacity, then requests wait; a release serves the first waiter")
    func capacity() {
        var machine = Machine(capacity: 2, maxWrites: 2, acquireTimeout: nil)
        let v1 = machine.acquire(1, .read, now: .zero)
        #expect(v1 == .run(0, created: true))
        let v2 = machine.acquire(2, .read, now: .zero)
        #expect(v2 == .run(1, created: true))
        let v3 = machine.acquire(3, .read, now: .zero)
        #expect(v3 == .wait(deadline: nil))
        let v4 = machine.acquire(4, .write, now: .zero)
        #expect(v4 == .wait(deadline: nil))
        let released = machine.release(1, after: .read)
        #expect(released.serve == [.init(request: 3, worker: 1, created: false)])
        #expect(machine.waiting == 1 && machine.created == 2 && machine.inUse == 2)
    }

    @Test("At most maxWrites writers run at once; a waiting writer does not hold back a reader behind it")
    func writeLimit() {
        var machine = Machine(capacity: 2, maxWrites: 1, acquireTimeout: nil)
        let v5 = machine.acquire(1, .write, now: .zero)
        #expect(v5 == .run(0, created: true))
        let v6 = machine.acquire(2, .writeWithoutTransaction, now: .zero)
        #expect(v6 == .wait(deadline: nil))
        let v7 = machine.acquire(3, .read, now: .zero)
        #expect(v7 == .run(1, created: true))
        let v8 = machine.acquire(4, .read, now: .zero)
        #expect(v8 == .wait(deadline: nil))
        // The reader's worker comes back: the writer still may not run, the reader behind it does.
        let v9 = machine.release(1, after: .read)
        #expect(v9.serve == [.init(request: 4, worker: 1, created: false)])
        // The writer's worker comes back: the waiting writer runs.
        let v10 = machine.release(0, after: .write)
        #expect(v10.serve == [.init(request: 2, worker: 0, created: false)])
    }

    @Test("A timer ends a wait only at its deadline and only while it waits; a served request's timer does nothing")
    func timeoutVersusServe() {
        var machine = Machine(capacity: 1, maxWrites: 1, acquireTimeout: .milliseconds(100))
        let v11 = machine.acquire(1, .read, now: .zero)
        #expect(v11 == .run(0, created: true))
        let v12 = machine.acquire(2, .read, now: Self.at(10))
        #expect(v12 == .wait(deadline: Self.at(110)))
        let v13 = machine.acquire(3, .read, now: Self.at(20))
        #expect(v13 == .wait(deadline: Self.at(120)))
        let v14 = machine.timedOut(2, now: Self.at(109))
        #expect(!v14, "a timer that fires early ends nothing")
        let v15 = machine.timedOut(2, now: Self.at(110))
        #expect(v15)
        let v16 = machine.timedOut(2, now: Self.at(111))
        #expect(!v16, "once")
        // Served before its timer fired: the timer is late and does nothing.
        let v17 = machine.release(0, after: .read)
        #expect(v17.serve == [.init(request: 3, worker: 0, created: false)])
        let v18 = machine.timedOut(3, now: Self.at(500))
        #expect(!v18)
        #expect(machine.waiting == 0)
    }

    @Test("A zero acquire timeout fails at once instead of waiting")
    func zeroTimeout() {
        var machine = Machine(capacity: 1, maxWrites: 1, acquireTimeout: .zero)
        let v19 = machine.acquire(1, .write, now: .zero)
        #expect(v19 == .run(0, created: true))
        let v20 = machine.acquire(2, .write, now: .zero)
        #expect(v20 == .fail(.timeout))
        #expect(machine.waiting == 0)
    }

    @Test("A cancel ends a wait; a cancel after the request was served does nothing")
    func cancelVersusServe() {
        var machine = Machine(capacity: 1, maxWrites: 1, acquireTimeout: nil)
        _ = machine.acquire(1, .read, now: .zero)
        _ = machine.acquire(2, .read, now: .zero)
        _ = machine.acquire(3, .read, now: .zero)
        let v21 = machine.cancelled(2)
        #expect(v21)
        let v22 = machine.cancelled(2)
        #expect(!v22)
        let v23 = machine.release(0, after: .read)
        #expect(v23.serve == [.init(request: 3, worker: 0, created: false)])
        let v24 = machine.cancelled(3)
        #expect(!v24, "served already: it runs, and its job is interrupted instead")
    }

    @Test("Close fails the waiting and every later request; it is done when the last worker comes back")
    func closeVersusPending() {
        var machine = Machine(capacity: 2, maxWrites: 2, acquireTimeout: .seconds(1))
        _ = machine.acquire(1, .read, now: .zero)
        _ = machine.acquire(2, .write, now: .zero)
        _ = machine.acquire(3, .read, now: .zero)
        _ = machine.acquire(4, .write, now: .zero)
        let close = machine.close()
        #expect(close.fail == [3, 4] && !close.finished)
        let v25 = machine.acquire(5, .read, now: .zero)
        #expect(v25 == .fail(.closed))
        let v26 = machine.timedOut(3, now: Self.at(5_000))
        #expect(!v26, "failed as closed, not timed out too")
        let first = machine.release(0, after: .read)
        #expect(first.serve.isEmpty && !first.closeFinished)
        let v27 = machine.release(1, after: .write)
        #expect(v27.closeFinished)
        let v28 = machine.close()
        #expect(v28.finished, "closing again when nothing is in use is done at once")
    }

    @Test("Idle workers: a read prefers one that last read, a write without a transaction one that last wrote")
    func affinity() {
        var machine = Machine(capacity: 3, maxWrites: 3, acquireTimeout: nil)
        _ = machine.acquire(1, .read, now: .zero)
        _ = machine.acquire(2, .writeWithoutTransaction, now: .zero)
        _ = machine.acquire(3, .write, now: .zero)
        _ = machine.release(0, after: .read)
        _ = machine.release(1, after: .writeWithoutTransaction)
        _ = machine.release(2, after: .write)
        let v29 = machine.acquire(4, .read, now: .zero)
        #expect(v29 == .run(0, created: false))
        _ = machine.release(0, after: .read)
        let v30 = machine.acquire(5, .writeWithoutTransaction, now: .zero)
        #expect(v30 == .run(2, created: false), "the most recent that wrote")
        let v31 = machine.acquire(6, .write, now: .zero)
        #expect(v31 == .run(0, created: false), "any: the most recent")
        let v32 = machine.acquire(7, .read, now: .zero)
        #expect(v32 == .run(1, created: false), "none read last: any")
    }
}
