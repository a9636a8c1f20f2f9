import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The server-rendered pages: home, sign-in, sign-up, sign-out, profiles and
/// profile editing. Every page works without JavaScript.
struct WebController {
    let accounts: AccountService
    let profiles: ProfileService
    let renderer: PageRenderer
    let configuration: NodeConfiguration
    let federation: FederationController
    let groups: GroupService

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("", use: home)
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.post("logout", use: logout)
        router.get("signup", use: signUpPage)
        router.post("signup", use: signUp)
        router.get("users/:username", use: profilePage)
        router.get("users/:username/avatar", use: avatar)
        router.get("settings/profile", use: editProfilePage)
        router.post("settings/profile", use: editProfile)
    }

    @Sendable func home(request: Request, context: NodeRequestContext) async throws -> Response {
        var values: [String: Any] = [:]
        if request.uri.queryParameters.get("signedOut") != nil { values["notice"] = renderer.text("signedOut", request: request) }
        return try await renderer.render("home", values, request: request, context: context)
    }

    @Sendable func loginPage(request: Request, context: NodeRequestContext) async throws -> Response {
        if context.account != nil { return .redirect(to: "/") }
        return try await renderer.render("login", [:], request: request, context: context)
    }

    @Sendable func login(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await Self.form(request, context: context)
        let username = form["username"] ?? ""
        do {
            let account = try await accounts.authenticate(username: username, password: form["password"] ?? "", address: context.remoteAddress)
            let (token, _) = try await accounts.startSession(for: account)
            var response = Response.redirect(to: "/", type: .found)
            response.setCookie(SessionCookie.session(token, configuration: configuration))
            return response
        } catch let error as ServiceError {
            let message = error.kind == .unauthenticated ? renderer.text("wrongCredentials", request: request) : error.message
            let status: HTTPResponse.Status = error.kind == .rateLimited ? .tooManyRequests : .unauthorized
            return try await renderer.render("login", ["errors": [message], "username": username], request: request, context: context, status: status)
        }
    }

    @Sendable func logout(request: Request, context: NodeRequestContext) async throws -> Response {
        if let cookie = request.cookies[AuthenticationMiddleware.sessionCookie] {
            try await accounts.endSession(token: cookie.value)
        }
        var response = Response.redirect(to: "/?signedOut=1", type: .found)
        response.setCookie(SessionCookie.expiredSession(configuration: configuration))
        return response
    }

    @Sendable func signUpPage(request: Request, context: NodeRequestContext) async throws -> Response {
        if context.account != nil { return .redirect(to: "/") }
        let form = ["inviteCode": request.uri.queryParameters.get("invite") ?? "", "groupInvitation": request.uri.queryParameters.get("groupInvitation") ?? ""]
        return try await renderer.render("signup", try await signUpValues(form: form, errors: []),
                                         request: request, context: context)
    }

    @Sendable func signUp(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await Self.form(request, context: context)
        let input = AccountService.SignUp(
            username: form["username"] ?? "", email: form["email"]?.nilIfEmpty, password: form["password"] ?? "",
            displayName: form["displayName"], inviteCode: form["inviteCode"]?.nilIfEmpty)
        let groupCode = form["groupInvitation"]?.nilIfEmpty
        do {
            // The account and its membership through the link are made together or not at all.
            let account = try await accounts.signUp(input, groupInvitationCode: groupCode)
            var destination = "/settings/profile"
            if let groupCode, let slug = try await groups.groupSlug(forInvitation: groupCode) {
                destination = "/groups/\(slug)"
            }
            let (token, _) = try await accounts.startSession(for: account)
            var response = Response.redirect(to: destination, type: .found)
            response.setCookie(SessionCookie.session(token, configuration: configuration))
            return response
        } catch let error as ServiceError {
            let messages = error.fieldErrors.isEmpty ? [error.message] : error.fieldErrors.map { "\($0.pointer.dropFirst()) \($0.detail)" }
            let echoed = ["username": input.username, "email": input.email ?? "", "displayName": input.displayName ?? "",
                          "inviteCode": input.inviteCode ?? "", "groupInvitation": groupCode ?? ""]
            return try await renderer.render("signup", try await signUpValues(form: echoed, errors: messages), request: request, context: context,
                                             status: error.kind == .conflict ? .conflict : error.kind == .forbidden ? .forbidden : .unprocessableContent)
        }
    }

    private func signUpValues(form: [String: String], errors: [String]) async throws -> [String: Any] {
        let hasGroupInvitation = !(form["groupInvitation"] ?? "").isEmpty
        let mode = try await accounts.database.registrationMode(configured: configuration.registrationMode)
        return ["form": form, "errors": errors, "closed": mode == .closed, "inviteOnly": mode == .inviteOnly && !hasGroupInvitation]
    }

    @Sendable func profilePage(request: Request, context: NodeRequestContext) async throws -> Response {
        let username = try context.parameters.require("username")
        if let handle = username.removingPercentEncoding, handle.contains("@") {
            return try await remoteProfilePage(handle: handle, request: request, context: context)
        }
        guard let account = try await accounts.database.account(username: username),
              !account.isDisabled || context.account?.isAdmin == true
        else { throw Problem.notFound("no user named '\(username)'") }
        if FederationController.wantsActivityJSON(request) {
            guard !account.isDisabled else { throw Problem.notFound("no user named '\(username)'") }
            return try await federation.personDocument(account)
        }
        let view = try await profiles.view(of: account, by: context.viewer)
        return try await renderer.render("profile", [
            "profile": PersonalPages.person(view), "hasFields": !view.fields.isEmpty, "isOwner": context.account?.id == account.id,
        ], request: request, context: context)
    }

    /// A person of another node as this node knows them (`/users/name@host`,
    /// the name their row here carries), for signed-in people: their name,
    /// their node and a link to their profile there.
    private func remoteProfilePage(handle: String, request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requirePageAccount()
        guard let account = try await accounts.database.account(handle: handle), let actorId = account.actorId else {
            throw Problem.notFound("no user named '\(handle)'")
        }
        let view = try await profiles.view(of: account, by: context.viewer)
        var profile = PersonalPages.person(view)
        if let home = URL(string: actorId), home.scheme == "https" || home.scheme == "http" { profile["homeURL"] = actorId }
        return try await renderer.render("profile", ["profile": profile, "hasFields": !view.fields.isEmpty, "isOwner": false, "isRemote": true],
                                         request: request, context: context)
    }

    @Sendable func avatar(request: Request, context: NodeRequestContext) async throws -> Response {
        let username = try context.parameters.require("username")
        guard let account = try await accounts.database.account(username: username), !account.isDisabled,
              let (bytes, contentType, digest) = try await profiles.avatar(of: account)
        else { throw Problem.notFound("no avatar") }
        let etag = "\"\(digest)\""
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
        return Response(status: .ok, headers: [.contentType: contentType, .eTag: etag, .cacheControl: "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    @Sendable func editProfilePage(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let account = context.account else { return .redirect(to: "/login") }
        let view = try await profiles.view(of: account, by: .account(account))
        var values = try await editValues(view: view, request: request)
        if request.uri.queryParameters.get("saved") != nil { values["notice"] = renderer.text("profileSaved", request: request) }
        return try await renderer.render("profile-edit", values, request: request, context: context)
    }

    @Sendable func editProfile(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let account = context.account else { return .redirect(to: "/login") }
        let form = try await Self.form(request, context: context)
        var fields: [String: ProfileService.Update.FieldInput] = [:]
        for (name, values) in form.values where name.hasPrefix("field.") {
            let key = String(name.dropFirst("field.".count))
            fields[key] = .init(value: values.first ?? "", visibility: form["visibility.\(key)"].flatMap(Visibility.init(rawValue:)))
        }
        let update = ProfileService.Update(
            displayName: form["displayName"], organisation: form["organisation"], jobTitle: form["jobTitle"], bio: form["bio"],
            fields: fields.isEmpty ? nil : fields)
        do {
            _ = try await profiles.update(account, with: update)
            return .redirect(to: "/settings/profile?saved=1", type: .found)
        } catch let error as ServiceError {
            let view = try await profiles.view(of: account, by: .account(account))
            var values = try await editValues(view: view, request: request)
            let labels = Dictionary(try await accounts.database.profileFields().map { ($0.key, $0.label) }) { first, _ in first }
            values["errors"] = FieldProblemText.lines(error, strings: renderer.strings(for: request), labels: labels)
            return try await renderer.render("profile-edit", values, request: request, context: context, status: .unprocessableContent)
        }
    }

    private func editValues(view: ProfileView, request: Request) async throws -> [String: Any] {
        let definitions = try await accounts.database.profileFields()
        let strings = renderer.localizer.strings(for: renderer.localizer.language(for: request))
        let current = Dictionary(uniqueKeysWithValues: view.fields.map { ($0.key, $0) })
        let fields: [[String: Any]] = definitions.map { definition in
            let value = current[definition.key]?.value ?? ""
            let visibility = current[definition.key]?.visibility ?? .users
            return [
                "key": definition.key, "label": definition.label, "value": value,
                "isText": definition.kind == .text, "isLongText": definition.kind == .longText,
                "isDate": definition.kind == .date, "isChoice": definition.kind == .choice,
                "choices": definition.options.map { ["option": $0, "selected": $0 == value] },
                "visibilities": [
                    ["value": "public", "label": strings["visibilityPublic"] ?? "public", "selected": visibility == .public],
                    ["value": "users", "label": strings["visibilityUsers"] ?? "users", "selected": visibility == .users],
                    ["value": "private", "label": strings["visibilityPrivate"] ?? "private", "selected": visibility == .private],
                ],
            ]
        }
        return ["profile": Self.dictionary(view), "fields": fields]
    }

    /// The urlencoded form of a POST (the CSRF middleware has already read and checked it).
    static func form(_ request: Request, context: NodeRequestContext) async throws -> FormData {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        return FormData(body: String(buffer: body))
    }

    /// A profile view as the plain dictionary Mustache renders.
    static func dictionary(_ view: ProfileView) -> [String: Any] {
        var values: [String: Any] = [
            "username": view.username, "displayName": view.displayName, "organisation": view.organisation,
            "jobTitle": view.jobTitle, "bio": view.bio, "url": view.url,
            "fields": view.fields.map { ["key": $0.key, "label": $0.label, "value": $0.value] },
        ]
        if let avatar = view.avatarURL { values["avatarURL"] = URL(string: avatar)?.relativeURLString ?? avatar }
        return values
    }
}

extension URL {
    /// Path and query only, for links within the node's own pages.
    var relativeURLString: String { path + (query.map { "?\($0)" } ?? "") }
}
