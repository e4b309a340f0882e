import { ServiceError } from '../errors';

/**
 * A page blob write that does not start and end on a 512-byte boundary. Raised before any
 * request is sent: Azure would answer 400, and Azurite might accept it.
 */
export class PageAlignmentError extends ServiceError {
  constructor(offset: number, length: number) {
    super(
      'PageAlignment',
      `page blob writes must start and end on 512-byte boundaries: offset ${offset}, length ${length}; pad or widen the write`,
      { details: { offset, length } },
    );
  }
}
