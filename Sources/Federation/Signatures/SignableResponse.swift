/// An HTTP response as message signatures see it, independent of any web framework.
///
/// A response signature can cover `@status`, its own header fields, and, with
/// the `req` flag, components of the request that caused it; keep that request
/// in `request` to sign or verify such components.
public struct SignableResponse: Sendable, Hashable {
    /// The three-digit status code.
    public var status: Int
    /// The header fields in message order.
    public var headers: HTTPHeaderFields
    /// The raw content, or `nil` when the response has none.
    public var body: [UInt8]?
    /// The request this response answers, needed for components flagged `req`.
    public var request: SignableRequest?

    public init(
        status: Int,
        headers: HTTPHeaderFields = HTTPHeaderFields(),
        body: [UInt8]? = nil,
        request: SignableRequest? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.request = request
    }
}
