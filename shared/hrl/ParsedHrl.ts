import { HrlHeader } from './HrlHeader';
import { HrlRecord } from './HrlRecord';
import { HrlTrailer } from './HrlTrailer';

/** A whole log, validated end to end. */
export interface ParsedHrl {
  header: HrlHeader;
  /** In ascending, non-overlapping offset order; payloads are views into the input Buffer. */
  records: HrlRecord[];
  trailer: HrlTrailer;
}
