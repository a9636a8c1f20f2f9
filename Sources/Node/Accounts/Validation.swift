import Foundation

/// Rules for values people type, shared by the API, the pages and the CLI so
/// that each place refuses the same things with the same words.
enum Validation {
    static let usernameRule = "3 to 30 characters: lowercase letters a-z, digits, '_', '.' or '-', starting with a letter or digit"

    /// Why `username` cannot be used, or `nil` when it can. Usernames become
    /// part of WebFinger handles and URLs, so they are kept to a safe alphabet.
    static func usernameProblem(_ username: String) -> String? {
        let bytes = Array(username.utf8)
        guard (3...30).contains(bytes.count) else { return "must be \(usernameRule)" }
        let allowed = bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 46 || $0 == 45 }
        let first = bytes[0]
        guard allowed, (97...122).contains(first) || (48...57).contains(first) else { return "must be \(usernameRule)" }
        return nil
    }

    /// A deliberately loose check: one `@`, something before it, a dot after it, no spaces.
    static func emailProblem(_ email: String) -> String? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { return "must be an e-mail address such as name@example.nl" }
        return nil
    }

    static let minimumPasswordLength = 10

    static func passwordProblem(_ password: String) -> String? {
        if password.count < minimumPasswordLength { return "must be at least \(minimumPasswordLength) characters" }
        // bcrypt reads at most 72 bytes; longer passwords would be silently cut.
        if password.utf8.count > 72 { return "must be at most 72 bytes" }
        return nil
    }

    /// Checks the length of free text, counting characters as people see them.
    static func textProblem(_ text: String, max: Int, allowEmpty: Bool = true) -> String? {
        if !allowEmpty && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "must not be empty" }
        if text.count > max { return "must be at most \(max) characters" }
        if text.unicodeScalars.contains(where: { $0.value < 32 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) {
            return "must not contain control characters"
        }
        return nil
    }
}
