// Server-side apply of a manifest exactly as it is written. The client's generic object API
// serializes a body through its generated models, which keep only the fields they know under the
// names they know: a NetworkPolicy's `ingress[].from` (the model's `_from`), a LimitRange's
// `default`, a CRD schema's `default`, `enum`, `$ref` and `x-kubernetes-*`, and any field newer than
// the client's models are silently dropped, so every NetworkPolicy would admit every source. This
// API sends the object's own JSON, as `kubectl apply --server-side` does, and can read an object
// back as stored.
import { HttpMethod, KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export class ManifestObjectApi extends KubernetesObjectApi {
  static override makeApiClient(config: KubeConfig): ManifestObjectApi {
    const client = config.makeApiClient(ManifestObjectApi);
    client.setDefaultNamespace(config);
    return client;
  }

  /** Server-side apply of `object` as written (force: this field manager takes over conflicts). */
  async applyAsWritten<T extends KubernetesObject>(object: T, fieldManager: string): Promise<T> {
    const path = await this.specUriPath(object, 'patch');
    const context = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    context.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    context.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    context.setQueryParam('fieldManager', fieldManager);
    context.setQueryParam('force', 'true');
    // JSON is YAML: the body is the manifest's own fields, names and values untouched.
    context.setBody(JSON.stringify(object));
    return this.requestPromise<T>(context);
  }

  /** The object as the API server stores it, every field under its own name (no model in between). */
  async readAsStored(object: KubernetesObject): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'read');
    const context = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    // 'any': the answer is parsed, not mapped through a generated model.
    return this.requestPromise<KubernetesObject>(context, 'any');
  }
}
