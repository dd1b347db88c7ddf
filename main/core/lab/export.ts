/** The comparison's CSV and JSON exports live in the contract, so the Lab tab makes the same files (see lab-export.ts there). */
export { compareToCsv, compareToJson, COMPARE_EXPORT_FORMAT, COMPARE_EXPORT_VERSION } from '../../../preload/contract/lab-export'
