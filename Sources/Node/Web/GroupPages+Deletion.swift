import Foundation
import Hummingbird
import Storage

/// Deleting a group from its settings page. The form asks for the group's
/// name as confirmation and calls the same service as
/// `DELETE /api/v1/groups/SLUG`, which also tells the nodes that hold a
/// mirror. A mirrored group of another node has no settings page here, and
/// the service refuses to delete a mirror.
extension GroupPages {
    /// Whether `viewer` may delete the group: its owner or a node
    /// administrator, and only on the group's home node (the service's rule).
    static func canDelete(_ view: GroupView, viewer: Account?) -> Bool {
        guard let viewer, !view.slug.contains("@") else { return false }
        return viewer.isAdmin || (view.membership?.state == .member && view.membership?.role == .owner)
    }

    /// The deletion form's input, for the error summary at the page's top.
    static func deletionInputs(strings: [String: String]) -> [String: (id: String, label: String)] {
        ["confirmName": (id: "delete-group-name", label: strings["deleteGroupConfirm"] ?? "deleteGroupConfirm")]
    }

    @Sendable func deleteGroup(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let form = try await request.form(context: context)
        let view = try await groups.show(slug, viewer: account)
        do {
            // Checked before the confirmation: others are refused whatever they typed.
            guard Self.canDelete(view, viewer: account) else {
                throw view.slug.contains("@") ? ServiceError(.conflict, "\(view.slug) is managed on its home node, \(view.node)")
                                              : ServiceError(.forbidden, "only the group's owner or a node administrator may delete it")
            }
            let typed = (form["confirmName"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard typed == view.name.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw ServiceError.invalid(field: "confirmName", renderer.text("deleteGroupConfirmMissing", request: request))
            }
            try await groups.delete(slug, by: account)
            return .seeOther("/groups?deleted=1")
        } catch let error as ServiceError where error.kind == .invalid {
            let strings = renderer.strings(for: request)
            var values = try await settingsValues(view, account: account, request: request)
            values.merge(FormErrors(error, fields: ["confirmName"]).values(form: "delete", inputs: Self.deletionInputs(strings: strings))) { $1 }
            return try await renderer.render("group-settings", values, request: request, context: context, status: FormErrors.status(error))
        }
    }
}
