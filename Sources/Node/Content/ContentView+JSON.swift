/// The content lists' JSON written directly (see ``JSONWritable``), members
/// in the sorted order `JSONEncoder` would give them.
extension ContentView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("access", access.rawValue)
            json.member("author", author)
            json.member("body", body)
            json.member("commentCount", commentCount)
            json.member("createdAt", createdAt)
            json.member("file", file)
            json.member("folderId", folderId)
            json.member("group", group)
            json.member("id", id)
            json.member("likeCount", likeCount)
            json.member("likedByMe", likedByMe)
            json.member("parentId", parentId)
            json.member("title", title)
            json.member("type", type.rawValue)
            json.member("updatedAt", updatedAt)
            json.member("url", url)
        }
    }
}

extension ContentView.Author: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("displayName", displayName)
            json.member("username", username)
        }
    }
}

extension FileInfo: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("contentType", contentType)
            json.member("downloadURL", downloadURL)
            json.member("filename", filename)
            json.member("sha256", sha256)
            json.member("size", size)
            json.member("version", version)
        }
    }
}

extension ContentThread: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("comments", comments)
            json.member("item", item)
        }
    }
}

extension ContentController.DashboardPage: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("items", items)
            json.member("next", next)
        }
    }
}
