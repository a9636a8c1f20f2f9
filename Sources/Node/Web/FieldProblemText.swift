import Foundation

/// The services' validation problems in the reader's language. Services
/// describe a rejected field in English, the words the JSON API returns in
/// its problem+json `errors`; the pages look each description up here and
/// show the locale's text instead. The English details are the stable codes:
/// numbers in them (limits, ranges) become `{1}`, `{2}`… in the locale text,
/// and the list after "must be one of" becomes `{list}`. A description this
/// table does not know is shown as the service wrote it.
enum FieldProblemText {
    /// An English detail with its numbers replaced by `#` → the locale key of its text.
    static let keys: [String: String] = [
        "must not be empty": "problem.notEmpty",
        "must be at most # characters": "problem.maxCharacters",
        "must be at least # characters": "problem.minCharacters",
        "must be at most # bytes": "problem.maxBytes",
        "must be at most # KiB": "problem.maxKiB",
        "must not contain control characters": "problem.controlCharacters",
        "must not contain control characters, '/' or '\\'": "problem.fileNameCharacters",
        "must be # to # characters": "problem.characterRange",
        "must not be '.' or '..'": "problem.dotName",
        "must be from # to #": "problem.numberRange",
        "must be a whole number from # to #": "problem.wholeNumberRange",
        "must be an e-mail address such as name@example.nl": "problem.email",
        "must be \(Validation.usernameRule.replacingOccurrences(of: "3 to 30", with: "# to #"))": "problem.username",
        "must be # to # characters: lowercase letters, digits and '-', not starting or ending with '-'": "problem.slug",
        "cannot be changed: links to the group would break": "problem.slugFixed",
        "may list at most # tags": "problem.tagCount",
        "must each be # to # characters": "problem.eachLength",
        "must list at least one choice": "problem.noChoices",
        "must not repeat a choice": "problem.repeatedChoice",
        "must be a date written as YYYY-MM-DD": "problem.date",
        "must be a colour written as #rrggbb": "problem.colour",
        "must be a PNG, JPEG, GIF or WebP image": "problem.image",
        "is already taken": "problem.taken",
        "is required": "problem.required",
        "choose a file to upload": "problem.chooseFile",
        "is required for a blog": "problem.titleRequiredBlog",
        "is required for a discussion": "problem.titleRequiredDiscussion",
        "is not used by status updates": "problem.titleUnused",
        "is wrong": "problem.wrong",
        "is unknown, used or expired": "problem.unusableInvitation",
        "is not a person on this node": "problem.notLocalPerson",
        "is yourself": "problem.yourself",
        "is not a page of this group": "problem.notAPage",
        "is not a revision of this page": "problem.notARevision",
        "is not a folder you can see": "problem.notAFolder",
        "is not an access level": "problem.notAnAccessLevel",
        "is not a known access level": "problem.unknownAccessLevel",
        "members needs a group": "problem.membersNeedsGroup",
        "comments follow their thread": "problem.commentAccess",
        "content of a closed or hidden group is for its members": "problem.closedGroupAccess",
        "files of a closed or hidden group are for its members": "problem.closedGroupFiles",
        "would put the folder inside itself": "problem.folderCycle",
        "must be a folder of the same group (or, outside groups, of the same owner)": "problem.folderElsewhere",
        "must be a handle such as name@node.example or a group URL": "problem.groupHandle",
        "must be a handle such as name@node.example or an actor URL": "problem.personHandle",
    ]

    /// Details that end in a list of the allowed values.
    static let listPrefixes: [(prefix: String, key: String)] = [("must be one of: ", "problem.oneOfChoices"), ("must be one of ", "problem.oneOf")]

    /// `detail` in the language of `strings`, or `detail` itself when unknown.
    static func text(_ detail: String, strings: [String: String]) -> String {
        for (prefix, key) in listPrefixes where detail.hasPrefix(prefix) {
            guard let template = strings[key] else { return detail }
            return template.replacingOccurrences(of: "{list}", with: String(detail.dropFirst(prefix.count)))
        }
        var shape = ""
        var numbers: [String] = []
        var digits = ""
        for character in detail + " " {
            if character.isASCII && character.isNumber {
                digits.append(character)
                continue
            }
            if !digits.isEmpty {
                numbers.append(digits)
                digits = ""
                shape.append("#")
            }
            shape.append(character)
        }
        shape.removeLast()
        guard let key = keys[shape], var text = strings[key] else { return detail }
        for (index, number) in numbers.enumerated() { text = text.replacingOccurrences(of: "{\(index + 1)}", with: number) }
        return text
    }

    /// A line of a form's error list, `field detail` (as ``PageRenderer/messages(_:)``
    /// and ``FormErrors`` write it), with the field's name and the detail
    /// translated; any other line is left as it is.
    static func line(_ line: String, strings: [String: String]) -> String {
        guard let space = line.firstIndex(of: " ") else { return line }
        let field = String(line[..<space])
        let detail = String(line[line.index(after: space)...])
        let translated = text(detail, strings: strings)
        guard translated != detail else { return line }
        let name = strings["field.\(field)"] ?? field
        return "\(name) \(translated)"
    }

    /// The lines of a refused profile form: a problem with an
    /// administrator-defined field (`fields/KEY/value`) is named by that
    /// field's label, `Label: problem`; the rest as ``line(_:strings:)``.
    static func lines(_ error: ServiceError, strings: [String: String], labels: [String: String]) -> [String] {
        guard !error.fieldErrors.isEmpty else { return [error.message] }
        return error.fieldErrors.map { problem in
            let parts = problem.pointer.split(separator: "/").map(String.init)
            if parts.count == 3, parts[0] == "fields", let label = labels[parts[1]] {
                return "\(label): \(text(problem.detail, strings: strings))"
            }
            return line("\(problem.pointer.dropFirst()) \(problem.detail)", strings: strings)
        }
    }

    /// Translates, in place, the error values of a page: the list at its
    /// top (`errors`), the summary links (`errorLinks`) and the problems
    /// next to fields (`formErrors.<form>.<field>`).
    static func localize(_ page: inout [String: Any], strings: [String: String]) {
        if let errors = page["errors"] as? [String] { page["errors"] = errors.map { line($0, strings: strings) } }
        if let links = page["errorLinks"] as? [[String: String]] {
            page["errorLinks"] = links.map { link in
                var link = link
                if let detail = link["text"] { link["text"] = text(detail, strings: strings) }
                return link
            }
        }
        if let forms = page["formErrors"] as? [String: [String: String]] {
            page["formErrors"] = forms.mapValues { fields in fields.mapValues { text($0, strings: strings) } }
        }
    }
}
