export { writeFileAtomic, removeStaleTempFiles, removeStaleTempFilesIn, isTempFileOf } from './atomic'
export { VersionedJsonFile, fileStamp, type LoadResult, type VersionedFileOptions } from './json-file'
