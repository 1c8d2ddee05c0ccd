/** A notifier's target accepted the call but refused the message (e.g. an EventBridge entry error). */
export class NotifierDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifierDeliveryError';
  }
}
