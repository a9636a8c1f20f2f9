import Foundation
import HTTPTypes
import Hummingbird

/// Serves the node's own stylesheet and images from the resource bundle,
/// read once at start; only files that exist there can be asked for.
struct StaticController {
    let files: [String: (contentType: String, bytes: ByteBuffer)]

    init(directory: URL) {
        var files: [String: (String, ByteBuffer)] = [:]
        let types = ["css": "text/css; charset=utf-8", "svg": "image/svg+xml", "png": "image/png", "js": "text/javascript; charset=utf-8"]
        for url in (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [] {
            guard let type = types[url.pathExtension], let data = try? Data(contentsOf: url) else { continue }
            files[url.lastPathComponent] = (type, ByteBuffer(bytes: data))
        }
        self.files = files
    }

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("static/:file") { _, context in
            guard let file = self.files[try context.parameters.require("file")] else { throw Problem.notFound() }
            return Response(status: .ok, headers: [.contentType: file.contentType, .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: file.bytes))
        }
    }
}
