// The same receiver on 127.0.0.1 as the `worker` project: here it is the private target
// that the URL guard must keep crondo away from.
export { default } from "../worker/global-setup";
