import Federation
import Foundation
import Hummingbird
import Storage

/// Requests that another node sends on behalf of one of its people, signed
/// with that person's key and answered at once (a wiki edit or page, an
/// upload, a moderation step).
extension FederationController {
    /// The person of another node on whose behalf `request` (with `body`)
    /// was signed: 401 when the signature is refused, 403 with `refusal`
    /// when no known, enabled person signed it.
    func signingPerson(_ request: Request, body: [UInt8], refusal: String) async throws -> Account {
        let signer: String?
        do {
            signer = try await runtime.receiver.verifyFetch(signableRequest(request, body: body))
        } catch {
            throw Problem(.unauthorized, type: "signature", detail: "the request's signature was refused: \(error)")
        }
        guard let signer, let person = try await services.database.account(actorId: signer), !person.isDisabled else {
            throw Problem(.forbidden, type: "forbidden", detail: refusal)
        }
        return person
    }
}
