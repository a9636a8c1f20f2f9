import Node

/// The `meent` executable: everything lives in the Node library's commands.
@main
enum Meent {
    static func main() async {
        await MeentCommand.main()
    }
}
