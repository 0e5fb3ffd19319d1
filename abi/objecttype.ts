/**
 * Object types accepted by `seL4_Untyped_Retype` on aarch32 (`objecttype.h`; l4v
 * `data_to_obj_type`, order fixed by `ArchTypes_H.thy`).
 *
 * @module
 */

/** Every retypeable object type, by its number. */
export const OBJECT_TYPES = [
  'Untyped', 'TCB', 'Endpoint', 'Notification', 'CapTable',
  'PageDirectory', 'SmallPage', 'LargePage', 'Section', 'SuperSection', 'PageTable',
] as const;

/** The name of a retypeable object type (`seL4_UntypedObject` is `Untyped`, ...). */
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** `seL4_ObjectTypeCount`. */
export const OBJECT_TYPE_COUNT = OBJECT_TYPES.length;

/** The number of each object type. */
export const OBJECT_TYPE_NUMBER: Readonly<Record<ObjectType, number>> = Object.fromEntries(
  OBJECT_TYPES.map((name, i) => [name, i]),
) as Record<ObjectType, number>;

/** Decodes the type word of a Retype, or `undefined` for an unknown type. */
export function objectTypeFromWord(w: number): ObjectType | undefined {
  return OBJECT_TYPES[w >>> 0];
}
