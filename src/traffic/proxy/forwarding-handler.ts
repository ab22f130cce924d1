/**
 * @module traffic/proxy/forwarding-handler
 * The base of every interceptor's handler: each callback goes on to the next handler unchanged, so
 * an interceptor overrides only the callbacks it cares about (undici's `DecoratorHandler` idea).
 */
import type { ProxyController, ProxyHandler, ResponseHeaders } from './proxy.ts'

export class ForwardingHandler implements ProxyHandler {
  protected readonly next: ProxyHandler

  constructor(next: ProxyHandler) {
    this.next = next
  }

  onRequestStart(controller: ProxyController, context: unknown): void {
    this.next.onRequestStart(controller, context)
  }

  onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.next.onResponseStart(controller, statusCode, headers, statusMessage)
  }

  onResponseData(controller: ProxyController, chunk: Buffer): void {
    this.next.onResponseData(controller, chunk)
  }

  onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void {
    this.next.onResponseEnd(controller, trailers)
  }

  onResponseError(controller: ProxyController, error: Error): void {
    this.next.onResponseError(controller, error)
  }
}
