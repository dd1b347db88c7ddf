import { BrowserWindow, dialog, type FileFilter, type OpenDialogOptions, type SaveDialogOptions } from 'electron'
import { extname, join } from 'node:path'
import type { FilesAdapter } from '../core/services'
import { writeFileAtomic } from '../core/storage'
import { defaultSaveDir } from './paths'

/*
 * File dialogs run in main (the sandboxed renderer cannot touch the file system): attachments,
 * a CA file, a profiles export to import, and "save as" for exports.
 */

const PICK: Record<'attachment' | 'ca' | 'import' | 'checks', { title: string; filters: FileFilter[] }> = {
  attachment: { title: 'Attach files', filters: [{ name: 'All files', extensions: ['*'] }] },
  ca: {
    title: 'Choose a CA certificate (PEM)',
    filters: [
      { name: 'PEM certificates', extensions: ['pem', 'crt', 'cer'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  import: {
    title: 'Import profiles',
    filters: [
      { name: 'Mailprobe profiles', extensions: ['json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  checks: {
    title: 'Run a check file',
    filters: [
      { name: 'Mailprobe checks', extensions: ['yaml', 'yml', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
}

const SAVE_FILTERS: Record<string, FileFilter> = {
  '.json': { name: 'JSON', extensions: ['json'] },
  '.txt': { name: 'Text', extensions: ['txt'] },
  '.yaml': { name: 'YAML', extensions: ['yaml', 'yml'] },
}

function parent(): BrowserWindow | undefined {
  return BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
}

export function createDialogFiles(): FilesAdapter {
  return {
    async pickFiles({ purpose, multiple }) {
      const spec = PICK[purpose]
      const options: OpenDialogOptions = {
        title: spec.title,
        filters: spec.filters,
        properties: multiple && purpose === 'attachment' ? ['openFile', 'multiSelections'] : ['openFile'],
      }
      const win = parent()
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
      return { paths: result.canceled ? [] : result.filePaths }
    },

    async saveFile({ suggestedName, content }) {
      const filter = SAVE_FILTERS[extname(suggestedName).toLowerCase()]
      const options: SaveDialogOptions = {
        title: 'Save',
        defaultPath: join(defaultSaveDir(), suggestedName),
        filters: filter ? [filter, { name: 'All files', extensions: ['*'] }] : [],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      }
      const win = parent()
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
      if (result.canceled || !result.filePath) return { saved: false, path: null }
      await writeFileAtomic(result.filePath, content)
      return { saved: true, path: result.filePath }
    },
  }
}
