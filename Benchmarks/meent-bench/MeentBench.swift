import ArgumentParser

/// `meent-bench`: end-to-end benchmarks of a Meent node (see BENCHMARKS.md).
@main
struct MeentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "meent-bench", abstract: "Benchmarks of a Meent node.")

    func run() async throws {
        print("no benchmarks yet")
    }
}
