/**
 * Label and field selectors: parsing the query-string forms, converting the structured spec
 * form, matching objects, printing. The implementation lives in ./selectors/.
 */
export {
  type LabelOperator, type LabelRequirement, type LabelSelector, type LabelSelectorSpec,
  EVERYTHING, NOTHING, parseLabelSelector, labelSelectorFromSpec, matchesLabels, isEverything,
  labelSelectorToString, formatLabelSelector,
} from './selectors/label-selector.js';
export {
  type FieldRequirement, type FieldSelector,
  parseFieldSelector, matchesFields, exactNameFromFieldSelector, fieldSelectorToString,
} from './selectors/field-selector.js';
export { selectableFieldNames, selectableFields, isSelectableField, readSelectableField } from './selectors/selectable-fields.js';
