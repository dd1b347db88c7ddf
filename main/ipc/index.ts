export { registerIpc } from './register'
